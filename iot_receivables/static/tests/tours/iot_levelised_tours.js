/** @odoo-module */
/* Levelised billing as the accountant does it: start a plan for a customer from
   Invoicing > Customers > Start a Levelised Plan, and see its twelve instalments. */

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("iot_levelised_accountant_starts_a_plan", {
    steps: () => [
        {
            content: "Type the customer",
            trigger: ".modal div[name=partner_id] input",
            run: "edit Fleet Customer Test",
        },
        {
            content: "Choose the customer",
            trigger: ".modal div[name=partner_id] .o-autocomplete--dropdown-menu .dropdown-item:contains(Fleet Customer Test)",
            run: "click",
        },
        {
            content: "Last year's billing is the estimate: 240.00, 20.00 a month",
            trigger: ".modal div[name=last_year_amount]:contains(240.00)",
        },
        {
            trigger: ".modal div[name=instalment_amount]:contains(20.00)",
        },
        {
            content: "Start the plan",
            trigger: ".modal-footer button[name=action_start]",
            run: "click",
        },
        {
            content: "The plan is in force",
            trigger: "body:not(:has(.modal)) .o_form_view .o_statusbar_status button[aria-checked='true']:contains(In Force)",
        },
        {
            content: "Twelve instalments of 20.00",
            trigger: ".o_form_view div[name=instalment_ids] .o_data_row:eq(11):contains(12):contains(20.00)",
        },
        {
            content: "The first is invoiced",
            trigger: ".o_form_view div[name=instalment_ids] .o_data_row:eq(0):contains(Invoiced):contains(20.00)",
        },
        {
            content: "Its invoice is one click away",
            trigger: ".o_form_view button[name=action_view_invoices]:contains(Invoices) .o_stat_value:contains(1)",
        },
    ],
});
