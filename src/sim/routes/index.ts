/** Every route the simulator serves (besides authentication), assembled from the per-area modules. */
import type { RouteDef } from '../route.js';
import { clusterRoutes } from './clusters.js';
import { deviceRoutes } from './devices.js';
import { portRoutes } from './ports.js';
import { routingRoutes } from './routing.js';
import { subscriptionRoutes } from './subscriptions.js';
import { usageRoutes } from './usage.js';

export const allRoutes: RouteDef[] = [
  ...deviceRoutes,
  ...subscriptionRoutes,
  ...usageRoutes,
  ...portRoutes,
  ...clusterRoutes,
  ...routingRoutes,
];
