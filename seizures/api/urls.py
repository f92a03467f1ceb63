from rest_framework.routers import SimpleRouter

from . import views

app_name = "seizures-api"

router = SimpleRouter()
router.register("seizures", views.SeizureViewSet, basename="seizure")

urlpatterns = router.urls
