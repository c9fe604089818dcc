/** Vite's `?raw` imports (used for data files in resources/): the file's text. */
declare module '*?raw' {
  const text: string;
  export default text;
}
