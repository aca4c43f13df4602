// UI entry: global styles, theme before first paint, then the App component.
import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { theme } from './lib/state/theme.svelte.js';

theme.apply();
const target = document.getElementById('app');
if (!target) throw new Error('missing #app element in index.html');
export default mount(App, { target });
