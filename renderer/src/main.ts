/**
 * Renderer entry: finds the platform (Electron preload or `portolan serve`), provides
 * it to stores and components, and mounts the shell. If no platform fits, says so on
 * the page rather than leaving it blank.
 */
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { getPlatform } from './platform/bridge';
import { PlatformKey } from './platform/inject';
import { fatalText } from './lib/fatal';
import './styles.css';

function showFatal(err: unknown): void {
  const root = document.getElementById('app') ?? document.body;
  const box = document.createElement('div');
  box.className = 'fatal';
  box.setAttribute('role', 'alert');
  const title = document.createElement('h1');
  title.textContent = 'Portolan cannot start';
  const msg = document.createElement('p');
  msg.textContent = fatalText(err);
  box.append(title, msg);
  root.replaceChildren(box);
}

try {
  const app = createApp(App);
  app.provide(PlatformKey, getPlatform());
  app.use(createPinia());
  app.config.errorHandler = (err, _instance, where) => console.error(`portolan: ${where}`, err);
  app.mount('#app');
} catch (err) {
  showFatal(err);
}
