import { _t } from "@web/core/l10n/translation";
import { WarningDialog, odooExceptionTitleMap } from "@web/core/errors/error_dialogs";
import { registry } from "@web/core/registry";

// The web client picks an error's dialog by the exact name of the exception class, not
// by its base classes: the business errors of our code (a UserError subclass) would
// show as a crash with a traceback. They are warnings, as UserError is.
const IOT_API_ERROR = "odoo.addons.iot_fleet.exceptions.IotApiError";

odooExceptionTitleMap.set(IOT_API_ERROR, _t("Invalid Operation"));
registry.category("error_dialogs").add(IOT_API_ERROR, WarningDialog);
