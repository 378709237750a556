/**
 * The one entry to `@peculiar/x509`. Its dependency injection (tsyringe) needs the Reflect metadata
 * polyfill loaded first, so every Weft module imports the library from here, never directly.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

export { x509 };
