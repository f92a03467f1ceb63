from django.http import HttpRequest, HttpResponse


def _todo(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("")


seizure_list = seizure_new = validation_queue = seizure_import = seizure_detail = seizure_edit = _todo
seizure_history = seizure_action = _todo
