import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { errorBody, json, type HttpResponse } from './responses';

type RouteHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResponse>;

/**
 * One Lambda serving several routes of a capability: API Gateway names the
 * matched route in `routeKey` (`PUT /marketo/instances/{munchkinId}`), the
 * same key the catalog declares, so dispatch needs no path parsing.
 */
export function routeByKey(routes: Record<string, RouteHandler>) {
  return async (event: APIGatewayProxyEventV2, context: Context): Promise<HttpResponse> => {
    const route = routes[event.routeKey];
    if (!route) return json(404, errorBody('route_not_found', `No route for ${event.routeKey}.`));
    return route(event, context);
  };
}
