import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { functionNamed, type FunctionDef } from '#functions/catalog.ts';

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

const loaded = new Map<string, Promise<LambdaHandler>>();

/** Imports a catalog function's handler module once, as Lambda would at cold start. */
export function loadHandler(fn: FunctionDef, root: string): Promise<LambdaHandler> {
  let handler = loaded.get(fn.name);
  if (!handler) {
    handler = import(pathToFileURL(resolve(root, fn.entry)).href).then((module: { handler?: LambdaHandler }) => {
      if (typeof module.handler !== 'function') throw new Error(`${fn.entry} does not export a handler`);
      return module.handler;
    });
    loaded.set(fn.name, handler);
  }
  return handler;
}

export function loadHandlerNamed(name: string, root: string): Promise<LambdaHandler> {
  return loadHandler(functionNamed(name), root);
}
