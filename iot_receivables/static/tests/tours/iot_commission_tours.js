/** @odoo-module */
/* Commissions to device owners: the accountant settles the owners' commissions from
   Invoicing > Commissions and bills a settlement. */

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("iot_commission_settle_and_bill", {
    steps: () => [
        {
            content: "Open the apps menu",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "Open Invoicing",
            trigger: '.o_app[data-menu-xmlid="account.menu_finance"]',
            run: "click",
        },
        {
            content: "Open Invoicing > Commissions",
            trigger: 'button[data-menu-xmlid="account_commission_oca.menu_invoicing_commission"]',
            run: "click",
        },
        {
            content: "Settle Commissions",
            trigger: 'a[data-menu-xmlid="iot_receivables.menu_iot_owner_settle"]',
            run: "click",
        },
        {
            content: "Settle what was invoiced before November",
            trigger: ".modal div[name=date_to] input",
            run: "edit 11/30/2026",
        },
        {
            content: "Settlements of sales invoices are proposed",
            trigger: ".modal div[name=settlement_type]:contains(Sales Invoices)",
        },
        {
            content: "Make the settlements (of every owner)",
            trigger: ".modal-footer button[name=action_settle]",
            run: "click",
        },
        {
            content: "Open Owner A's settlement",
            trigger: "body:not(:has(.modal)) .o_list_view .o_data_row:contains(Owner A):contains(20.50) td[name=agent_id]",
            run: "click",
        },
        {
            content: "It lists the invoice lines it settles",
            trigger: ".o_form_view div[name=line_ids] .o_data_row:contains(Water (m3)):contains(18.50)",
        },
        {
            content: "and the devices it pays for",
            trigger: ".o_form_view div[name=iot_detail_ids] .o_data_row:contains(COM_A2)",
        },
        {
            content: "Make the owner's bill",
            trigger: ".o_statusbar_buttons button[name=action_invoice]",
            run: "click",
        },
        {
            content: "The commission product is proposed",
            trigger: ".modal div[name=product_id] input",
            run() {
                if (!this.anchor.value.includes("Device Owner Commission")) {
                    throw new Error(`The product is "${this.anchor.value}"`);
                }
            },
        },
        {
            content: "Create it",
            trigger: ".modal-footer button[name=button_create]",
            run: "click",
        },
        {
            content: "The draft bill of 20.50 untaxed is created: open it",
            trigger: "body:not(:has(.modal)) .o_list_view .o_data_row:contains(20.50):contains(Draft) td[name=name]",
            run: "click",
        },
        {
            content: "It is Owner A's vendor bill",
            trigger: ".o_form_view div[name=partner_id] input",
            run() {
                if (this.anchor.value !== "Owner A") {
                    throw new Error(`The vendor is "${this.anchor.value}"`);
                }
            },
        },
        {
            trigger: ".o_form_view div[name=invoice_line_ids] .o_data_row:contains(Device Owner Commission)",
        },
    ],
});
