/** @odoo-module **/

import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { formatFloat, formatMonetary } from "@web/views/fields/formatters";
import { useService } from "@web/core/utils/hooks";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

/**
 * IoT > Overview: the fleet at a glance. Every figure comes from one call,
 * iot.overview.get_overview(), with the domain of the list it summarises; a click opens
 * that list.
 */
export class IotOverview extends Component {
    static template = "iot_contract_billing.IotOverview";
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ data: null });
        onWillStart(async () => {
            this.state.data = await this.orm.call("iot.overview", "get_overview", []);
        });
    }

    monetary(amount, currencyId) {
        return formatMonetary(amount, { currencyId });
    }

    quantity(value) {
        return formatFloat(value, { digits: [16, 2], trailingZeros: false });
    }

    barHeight(count) {
        const max = this.state.data.activations.max;
        return max ? Math.max(Math.round((100 * count) / max), count ? 4 : 0) : 0;
    }

    open(resModel, name, domain) {
        return this.action.doAction({
            type: "ir.actions.act_window",
            name,
            res_model: resModel,
            domain,
            views: [
                [false, "list"],
                [false, "form"],
            ],
            target: "current",
        });
    }

    openDevices(name, domain) {
        return this.open("iot.device", name, domain);
    }

    openUsage(name, domain) {
        return this.open("iot.usage.analysis", name, domain);
    }

    openRevenue() {
        const { action } = this.state.data.revenue;
        return this.open(action.res_model, action.name, action.domain);
    }

    openRun(run) {
        return this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "iot.billing.run",
            res_id: run.id,
            views: [[false, "form"]],
            target: "current",
        });
    }

    openRuns() {
        return this.open("iot.billing.run", _t("Billing Runs"), []);
    }
}

registry.category("actions").add("iot_overview", IotOverview);
