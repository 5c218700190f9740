from . import controllers, core, models, wizards
from .demo import iot_billing_run_demo
