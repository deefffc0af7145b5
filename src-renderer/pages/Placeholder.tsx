/** A page whose capability has not landed yet says so plainly. */
export function placeholder(title: string, what: string) {
  return function Placeholder() {
    return (
      <section>
        <header className="page-head">
          <h1>{title}</h1>
        </header>
        <p className="muted">{what}</p>
      </section>
    );
  };
}
