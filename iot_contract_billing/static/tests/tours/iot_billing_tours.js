/** @odoo-module */
/* The billing flows, each as the user who does it: the back office puts a new device on a
   plan, the billing user runs a month, the accountant posts and checks the invoice, the
   auditor exports the detail. */

import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

function pick(field, text, scope = ".modal") {
    // Type in a many-to-one (of the dialog, by default) and choose the matching proposal.
    return [
        {
            content: `Type ${text} in ${field}`,
            trigger: `${scope} div[name=${field}] input`,
            run: `edit ${text}`,
        },
        {
            content: `Choose ${text}`,
            trigger: `${scope} div[name=${field}] .o-autocomplete--dropdown-menu .dropdown-item:contains(${text})`,
            run: "click",
        },
    ];
}

tours.add("iot_billing_new_device_on_a_plan", {
    steps: () => [
        {
            content: "Type the identifier of the new device",
            trigger: ".o_form_view div[name=identifier] input",
            run: "edit TOUR_NEW_1",
        },
        {
            content: "Save it",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "It is a draft",
            trigger: ".o_statusbar_status button[aria-checked='true']:contains(Draft)",
        },
        {
            content: "Activate it",
            trigger: ".o_statusbar_buttons button[name=action_open_activate_wizard]",
            run: "click",
        },
        ...pick("partner_id", "Tour Fleet Customer"),
        {
            content: "From the first of the month",
            trigger: ".modal div[name=date_start] input",
            run: "edit 11/01/2026",
        },
        ...pick("plan_product_id", "Tour Plan"),
        {
            content: "For 12 months",
            trigger: ".modal div[name=term_months] input",
            run: "edit 12",
        },
        {
            content: "Activate",
            trigger: ".modal-footer button[name=action_activate]",
            run: "click",
        },
        {
            content: "The device is active",
            trigger: "body:not(:has(.modal)) .o_statusbar_status button[aria-checked='true']:contains(Active)",
        },
        {
            content: "Its end date follows from the term",
            trigger: ".o_form_view div[name=end_date] input",
            run() {
                if (this.anchor.value !== "10/31/2027") {
                    throw new Error(`The end date is ${this.anchor.value}, not 10/31/2027`);
                }
            },
        },
        {
            content: "Open its invoicing schedules",
            trigger: ".o_notebook a:contains(Invoicing Schedules)",
            run: "click",
        },
        {
            content: "One schedule a month for the 12 months of the term",
            trigger: ".o_notebook .o_data_row:eq(11):contains(10/01/2027):contains(10/31/2027)",
        },
        {
            trigger: ".o_notebook .o_data_row:eq(0):contains(11/01/2026):contains(11/30/2026)",
        },
    ],
});
