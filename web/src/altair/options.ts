// Altair's init options for this server: the endpoint, the CSRF preflight header, and everything
// that would reach another origin turned off (account and cloud sync, plugins, update checks,
// banners, push notifications).
import type { PlaygroundConfig } from '../lib/config';

/** The headers every new Altair window starts with: CSRF prevention asks it of multipart requests. */
export const ALTAIR_HEADERS = { 'Apollo-Require-Preflight': 'true' } as const;

/** Settings that keep Altair on this origin; also forced over what a person saved. */
const offline = {
  'plugin.list': [] as string[],
  'alert.disableUpdateNotification': true,
  'banners.disable': true,
  disablePushNotification: true,
};

export function altairOptions(config: PlaygroundConfig, base: string) {
  return {
    endpointURL: new URL(config.endpoint, base).href,
    initialName: 'mediagraph',
    initialHeaders: { ...ALTAIR_HEADERS },
    initialQuery:
      '# mediagraph. To send a file, declare an Upload variable:\n' +
      '#   mutation ($id: ID!, $image: Upload!) {\n' +
      '#     addProductImage(productID: $id, image: $image) { id image { url } }\n' +
      '#   }\n' +
      '# then pick the file in the Variables pane ("Add files").\n' +
      '{\n  products(first: 10) {\n    totalCount\n    edges { node { id name price } }\n  }\n}\n',
    instanceStorageNamespace: 'mediagraph_altair_',
    disableAccount: true,
    initialSettings: { ...offline, 'schema.reloadOnStart': config.introspection },
    persistedSettings: { ...offline },
  };
}
