import type { RouteDef } from '../route.js';

// Placeholder: filled in by the work on this module.
export const deviceRoutes: RouteDef[] = [];
