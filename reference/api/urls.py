from rest_framework.routers import DefaultRouter

from . import views

app_name = "reference-api"

router = DefaultRouter()
router.register("countries", views.CountryViewSet)
router.register("rilos", views.RiloViewSet)
router.register("meas", views.MeaViewSet)
router.register("hs-codes", views.HsCodeViewSet)
router.register("units", views.UnitViewSet)
router.register("waste-codes", views.WasteCodeViewSet)
router.register("ods-substances", views.OdsSubstanceViewSet)
router.register("cites-terms", views.CitesTermViewSet)
router.register("ports", views.PortViewSet)

urlpatterns = router.urls
