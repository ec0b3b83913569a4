/** Moved to src/services/connect.ts; this re-export keeps the support commands compiling until they import it from there. */
export * from '../services/connect.js';
