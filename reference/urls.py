from django.urls import path

from . import views

urlpatterns = [
    path("hs-codes/", views.hs_search, name="hs-search"),
    path("rilos/", views.rilo_list, name="rilo-list"),
]
