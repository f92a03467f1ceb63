from rest_framework.routers import SimpleRouter

from . import views

app_name = "operations-api"

router = SimpleRouter()
router.register("operations", views.OperationViewSet, basename="operation")

urlpatterns = router.urls
