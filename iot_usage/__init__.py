from . import controllers, core, models, wizards
from .demo import iot_usage_record_demo
