"""marshmallow schemas of what the gateway itself reads: the login."""
from marshmallow import RAISE, Schema, fields, validate

_REQUIRED = {"required": "必填 (required)"}


class TokenIn(Schema):
    class Meta:
        unknown = RAISE

    username = fields.String(required=True, validate=validate.Length(min=1, max=100), error_messages=_REQUIRED)
    password = fields.String(required=True, validate=validate.Length(min=1, max=200), error_messages=_REQUIRED)
