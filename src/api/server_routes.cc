#include "api/server_routes.h"

#include "api/admin_routes.h"
#include "api/change_routes.h"
#include "api/commit_routes.h"
#include "api/console_routes.h"
#include "api/datastore_entry_routes.h"
#include "api/datastore_list_routes.h"
#include "api/health_routes.h"
#include "api/memory_store_routes.h"
#include "api/metrics_routes.h"
#include "api/ordered_entry_routes.h"
#include "api/queue_routes.h"
#include "api/revert_routes.h"
#include "api/session_lock_routes.h"
#include "api/sorted_map_routes.h"
#include "api/standard_datastore_routes.h"

namespace strongbox::api {

gate::RouteTable ServerRoutes(const Services& services) {
  gate::RouteTable routes;
  RegisterHealthRoutes(routes, services);
  RegisterDataStoreEntryRoutes(routes, services);
  RegisterDataStoreListRoutes(routes, services);
  RegisterStandardDataStoreRoutes(routes, services);
  RegisterSessionLockRoutes(routes, services);
  RegisterChangeRoutes(routes, services);
  RegisterRevertRoutes(routes, services);
  RegisterOrderedEntryRoutes(routes, services);
  RegisterSortedMapRoutes(routes, services);
  RegisterHashMapRoutes(routes, services);
  RegisterMemoryStoreRoutes(routes, services);
  RegisterQueueRoutes(routes, services);
  RegisterCommitRoutes(routes, services);
  RegisterAdminRoutes(routes, services);
  RegisterMetricsRoutes(routes, services);
  RegisterConsoleRoutes(routes, services);
  return routes;
}

}  // namespace strongbox::api
