import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";
import { api } from "./lib/api";
import { prefetchFirstPage } from "./lib/catalogue/firstPage";
import { setupI18n } from "./lib/i18n";
import { startupStage } from "./lib/startup";

// Everything bundled above has been evaluated by now.
startupStage("script évalué");
// On their way while the messages load and the window mounts: the shop's state, which
// decides the first screen, and the catalogue's first page (catalogue/firstPage.ts).
const firstStatus = api.appStatus();
firstStatus.catch(() => {}); // the window reports it, once mounted
prefetchFirstPage();

// French is there at once; English (when chosen) arrives first, so nothing flashes in
// the other language. Were its chunk ever missing, the window still opens in French.
void setupI18n()
  .catch(() => {})
  .then(() => {
    startupStage("messages prêts");
    const target = document.getElementById("app");
    if (!target) throw new Error("#app introuvable");
    mount(App, { target, props: { firstStatus } });
    startupStage("fenêtre montée");
  });
