// Altair at /altair: altair-static's prebuilt app (copied under a content-hashed directory by
// vite.config.ts) started by this file instead of renderAltair's inline script, so the CSP needs
// no inline script.
import './altair.css';
import { readConfig } from '../lib/config';
import { sessionTokenStore } from '../lib/token';
import { installRequestAdjustments } from './requests';
import { renderBar } from './bar';
import { altairOptions } from './options';

declare global {
  interface Window {
    AltairGraphQL?: { init(options: object): void };
  }
}

const config = readConfig();
const tokens = sessionTokenStore();
installRequestAdjustments(window, config.endpoint, tokens);
const bar = document.getElementById('mg-bar');
if (bar) renderBar(bar, config, tokens);

function start() {
  if (!window.AltairGraphQL) throw new Error('altair: the Altair app did not load');
  window.AltairGraphQL.init(altairOptions(config, window.location.href));
}
// Altair's own module scripts come before this one in the document, so they have run.
start();
