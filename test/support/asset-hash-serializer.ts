/**
 * Jest snapshot serializer: asset hashes differ between machines and builds (the bundled handler's
 * content, the paths it was built from), so they are replaced by a placeholder in snapshots.
 */
const ASSET_HASH = /[0-9a-f]{64}/g;

module.exports = {
  test: (value: unknown) => typeof value === 'string' && /[0-9a-f]{64}/.test(value),
  serialize: (value: string) => JSON.stringify(value.replace(ASSET_HASH, '[ASSET HASH]')),
};
