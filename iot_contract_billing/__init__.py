from . import controllers, core, models, wizards
