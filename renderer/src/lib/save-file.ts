/** Hands `content` to the browser as a download named `filename`. */
export function saveFile(filename: string, content: string, type: string): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  // The browser reads the blob after the click returns; a minute is ample before freeing it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
