/** @odoo-module */
/* Dunning as the accountant does it: run it from Invoicing > Customers, see the devices it
   blocked, register the customer's payment and see the blocks lifted. */

import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

function menu(top, item) {
    return [
        {
            content: `Open ${top}`,
            trigger: `.o_main_navbar .o_menu_sections button:contains(${top})`,
            run: "click",
        },
        {
            content: `Choose ${item}`,
            trigger: `.o-dropdown--menu .dropdown-item:contains(${item})`,
            run: "click",
        },
    ];
}

tours.add("iot_dunning_accountant_run_and_payment", {
    steps: () => [
        ...menu("Customers", "Run Dunning"),
        {
            content: "Run dunning now",
            trigger: ".modal button[name=action_run]",
            run: "click",
        },
        {
            content: "The debtor reached the blocking level",
            trigger: ".o_list_view .o_data_row:contains(Tour Debtor):contains(Devices blocked)",
        },
        {
            content: "See the devices it blocked",
            trigger: ".o_data_row:contains(Tour Debtor) button[name=action_view_devices]",
            run: "click",
        },
        {
            content: "The device is blocked for dunning",
            trigger: ".o_list_view .o_data_row:contains(TOUR_DUN_1):contains(Dunning):contains(In Force)",
        },
        ...menu("Customers", "Invoices"),
        {
            content: "Open the debtor's invoice",
            trigger: ".o_list_view .o_data_row:contains(Tour Debtor) td[name=invoice_partner_display_name]",
            run: "click",
        },
        {
            content: "Register its payment",
            trigger: ".o_statusbar_buttons button[name=action_register_payment]",
            run: "click",
        },
        {
            content: "Create the payment",
            trigger: ".modal button[name=action_create_payments]",
            run: "click",
        },
        {
            content: "The invoice is paid",
            trigger: ".o_form_view .ribbon:contains(Paid), .o_form_view .ribbon:contains(In Payment)",
        },
        ...menu("Customers", "Blocked Devices"),
        {
            content: "Look for the debtor's device among the blocks in force",
            trigger: ".o_searchview_input",
            run: "edit TOUR_DUN_1",
        },
        {
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            content: "It is blocked no more",
            trigger: ".o_action:has(.o_searchview_facet:contains(TOUR_DUN_1)):not(:has(.o_data_row))",
        },
    ],
});
