#!/usr/bin/env node
// Entry point of the `persona-lens` command; the program is bundled in dist/.
require('../dist/cli.js');
