"""The API's pages: `?page=` is a whole number from 1, as the schema says (no `last`, no " 2")."""

from rest_framework import pagination
from rest_framework.exceptions import NotFound

from .fields import WHOLE_NUMBER

MAX_PAGE = 2**31 - 1


class PageNumberPagination(pagination.PageNumberPagination):
    last_page_strings = ()

    def get_page_number(self, request, paginator):
        page_number = super().get_page_number(request, paginator)
        if isinstance(page_number, str) and not WHOLE_NUMBER.fullmatch(page_number):
            # As DRF answers a page it cannot read as a number, or one past the end.
            raise NotFound(self.invalid_page_message.format(page_number=page_number, message=""))
        return page_number

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1, maximum=MAX_PAGE)
        return parameters
