/**
 * Saves text as a file through the browser (the api's files need the login token, so no plain link).
 * A CSV gets a byte-order mark (decoding the answer dropped the api's), so spreadsheet programs read
 * its Chinese as UTF-8.
 */
export function download(name: string, type: string, content: string): void {
  const text = type.startsWith('text/csv') && !content.startsWith('\uFEFF') ? `\uFEFF${content}` : content;
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
