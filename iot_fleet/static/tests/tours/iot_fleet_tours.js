/** @odoo-module */
/* The back office's flows of the fleet, as an IoT manager would click them. */

import { registry } from "@web/core/registry";

const current = (state) => ({
    content: `The device is ${state}`,
    trigger: `.o_statusbar_status button[aria-checked='true']:contains(${state})`,
});

registry.category("web_tour.tours").add("iot_fleet_change_state_with_fee", {
    steps: () => [
        current("Active"),
        {
            content: "Cancel the device from its form",
            trigger: ".o_form_view .o_statusbar_buttons button:contains(Cancel)",
            run: "click",
        },
        {
            content: "The wizard shows what the move costs before it is applied",
            trigger: ".modal .alert-info:contains(One-time charge):contains(Cancellation Fee):contains(5.00):contains(for 1 device)",
        },
        {
            content: "Say why",
            trigger: ".modal div[name=reason] textarea",
            run: "edit The customer moved away",
        },
        {
            content: "Apply",
            trigger: ".modal-footer button[name=action_apply]",
            run: "click",
        },
        {
            content: "The wizard is closed",
            trigger: "body:not(:has(.modal))",
        },
        current("Cancelled"),
        {
            content: "Open the Events tab",
            trigger: ".o_notebook a[name=events], .o_notebook a:contains(Events)",
            run: "click",
        },
        {
            content: "The cancellation is logged with its reason",
            trigger: ".o_notebook .o_data_row:contains(The customer moved away)",
        },
    ],
});
