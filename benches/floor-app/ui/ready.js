// After the frame that paints the page, tell the floor binary (see src/main.rs): the hello page is "usable".
requestAnimationFrame(() => requestAnimationFrame(() => window.__TAURI_INTERNALS__.invoke('ready')));
