import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createClient } from './api/client';
import { connect } from './store';
import './styles.css';

const client = createClient();
if (client) connect(client);
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App hasClient={client !== null} />
  </StrictMode>,
);
