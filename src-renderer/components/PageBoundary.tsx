import { Component, type ReactNode } from 'react';

/** One page failing to render must not blank the console: say so and keep the navigation. */
export class PageBoundary extends Component<{ page: string; children: ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override componentDidUpdate(prev: { page: string }) {
    if (prev.page !== this.props.page && this.state.error) this.setState({ error: null });
  }
  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <section>
        <h1>Something went wrong on this page</h1>
        <p className="error-note" role="alert">
          {this.state.error.message}
        </p>
        <p className="muted">Other pages still work; reloading the window retries this one.</p>
      </section>
    );
  }
}
