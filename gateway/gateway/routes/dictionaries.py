"""The code lists of the API with their Chinese labels (gateway/dictionaries.py)."""
from gateway import dictionaries, schemas
from gateway.auth import ANY_ACCOUNT
from gateway.routes.table import Route


def get_dictionaries(c):
    return dictionaries.dictionaries()


ROUTES = [
    Route("GET", "/api/v1/dictionaries", ANY_ACCOUNT, "代码表 (各类代码及其中文名称)", call=get_dictionaries,
          answer=schemas.DictionariesOut, name="get_dictionaries"),
]
