// "system" leaves the choice to prefers-color-scheme; light and dark pin it through data-theme.
export function applyTheme(theme) {
  const root = document.documentElement;
  if (theme === 'light' || theme === 'dark') root.dataset.theme = theme;
  else delete root.dataset.theme;
}
