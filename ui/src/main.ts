import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";
import { setupI18n } from "./lib/i18n";

setupI18n();

const target = document.getElementById("app");
if (!target) throw new Error("#app introuvable");
export default mount(App, { target });
