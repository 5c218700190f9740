from . import controllers, core, models, report, wizards
from .demo import iot_billing_run_demo
