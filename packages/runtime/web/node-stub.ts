// Stand-in for the Node built-ins that modules shared with the server import but the page never
// calls (reading circuit files from disk, hashing parameter sets): calling one is a bug, said so.
const unavailable = (name: string) => () => {
  throw new Error(`${name} is not available in the browser page`);
};
export const readFileSync = unavailable('fs.readFileSync');
export const writeFileSync = unavailable('fs.writeFileSync');
export const renameSync = unavailable('fs.renameSync');
export const createHash = unavailable('crypto.createHash');
