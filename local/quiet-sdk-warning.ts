// Imported first by start.ts: the SDK warns on every start that future releases need Node 22.
// We pin SDK versions that support Node 20 (docs/toolchain-notes.md), so the warning tells the user nothing.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
