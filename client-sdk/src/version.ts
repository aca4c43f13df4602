// SDK identity sent in every envelope (`sdk` header, `sentry_client` query parameter).
// Keep SDK_VERSION equal to client-sdk/package.json (a test checks it).

export const SDK_NAME = 'faultline.javascript';
export const SDK_VERSION = '0.1.0';
