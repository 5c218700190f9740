/** @odoo-module */
/* Blocking by hand, as an IoT manager clicks it. */

import { registry } from "@web/core/registry";

const current = (state) => ({
    content: `The device is ${state}`,
    trigger: `.o_statusbar_status button[aria-checked='true']:contains(${state})`,
});

registry.category("web_tour.tours").add("iot_receivables_block_by_hand", {
    steps: () => [
        current("Active"),
        {
            content: "Block the device from its form",
            trigger: ".o_form_view .o_statusbar_buttons button:contains(Block)",
            run: "click",
        },
        {
            content: "Say why",
            trigger: ".modal div[name=reason] textarea",
            run: "edit Reported stolen by the customer",
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
        current("Blocked"),
        {
            content: "The form says what it is blocked for",
            trigger: ".o_form_view div[name=blocked_reasons]:contains(Manual)",
        },
        {
            content: "Open its blocks",
            trigger: ".o_form_view .oe_stat_button:contains(Blocks)",
            run: "click",
        },
        {
            content: "The manual block lists the reason given",
            trigger: ".o_list_view .o_data_row:contains(Manual):contains(In Force)",
        },
        {
            content: "Back to the device",
            trigger: ".o_breadcrumb ol.breadcrumb > li.breadcrumb-item:last-child a",
            run: "click",
        },
        {
            content: "Unblock it",
            trigger: ".o_form_view .o_statusbar_buttons button:contains(Unblock)",
            run: "click",
        },
        current("Active"),
        {
            content: "Nothing keeps it blocked",
            trigger: ".o_form_view:not(:has(.oe_stat_button:contains(Blocks)))",
        },
    ],
});

registry.category("web_tour.tours").add("iot_receivables_unblock_refused", {
    steps: () => [
        {
            content: "The form says the device is blocked for dunning",
            trigger: ".o_form_view div[name=blocked_reasons]:contains(Dunning)",
        },
        {
            content: "Try to unblock a device blocked for dunning",
            trigger: ".o_form_view .o_statusbar_buttons button:contains(Unblock)",
            run: "click",
        },
        {
            content: "A warning says why it stays blocked",
            trigger: ".modal .modal-body:contains(stays blocked):contains(Dunning)",
        },
        {
            content: "Close the warning",
            trigger: ".modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "Still blocked for dunning",
            trigger: "body:not(:has(.modal)) .o_form_view div[name=blocked_reasons]:contains(Dunning)",
        },
    ],
});
