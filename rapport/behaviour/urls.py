app_name = "behaviour"

urlpatterns: list = []
