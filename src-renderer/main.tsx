// The base styles first: the pages' and components' own style sheets (imported where used) come after them.
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { startSession } from './api/client';
import { connect, useApp } from './store';
import { applySession } from './store/session';

// Electron: the preload bridge is the client (IPC, no session). A browser: the session cookie, or the sign-in page.
if (window.vigil) {
  connect(window.vigil);
  useApp.setState({ auth: { kind: 'desktop' } });
} else void startSession().then(applySession);
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
