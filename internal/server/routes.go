package server

// The HTTP surface of `advocate serve`, every pattern in one place: Server.Handler registers
// the first group, the service (internal/service routes) the second, and TestOpenAPICoversRoutes
// checks that each is in openapi.json and that every mux.Handle call in both files names one of
// these constants — so a route cannot be added without being documented.
const (
	RouteHealthz           = "GET /healthz"
	RouteReadyz            = "GET /readyz"
	RouteSignals           = "POST /api/v1/signals"
	RouteAffiliateWebhooks = "POST /webhooks/affiliates"
	RouteOpenAPI           = "GET /api/openapi.json"

	RouteMetrics      = "GET /metrics"
	RouteUnsubscribe  = "/u/" // GET shows the confirmation page, POST unsubscribes (RFC 8058 one-click)
	RouteSlackActions = "POST /slack/actions"
)

// Routes lists every pattern above.
var Routes = []string{RouteHealthz, RouteReadyz, RouteSignals, RouteAffiliateWebhooks, RouteOpenAPI,
	RouteMetrics, RouteUnsubscribe, RouteSlackActions}
