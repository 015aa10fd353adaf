/* betalab dashboard: four pages built from the JSON API with plain DOM calls, as native ES
   modules (no build step): this entry picks the page the HTML shell names in data-page. */
import { experimentsPage } from "./page-experiments.js";
import { experimentPage } from "./page-experiment.js";
import { runPage } from "./page-run.js";
import { newPage } from "./page-new.js";

const PAGES = { experiments: experimentsPage, experiment: experimentPage, run: runPage, "new": newPage };
const app = document.getElementById("app");
const page = document.body.dataset.page;
if (PAGES[page]) PAGES[page](app, document.body.dataset.id);
