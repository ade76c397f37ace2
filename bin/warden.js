#!/usr/bin/env node
// The installed entry point: everything lives in the compiled composition root.
import "../dist/bundle/warden.js";
