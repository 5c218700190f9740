from . import controllers, core, models, wizards
from .demo import iot_device_demo
