/** @odoo-module */
/* The accountant's flow of transaction accounts: open a customer, read what is held on
   its account, invoice it now and see the invoice. */

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("iot_account_invoice_now", {
    steps: () => [
        {
            content: "The customer's form shows what is held on its transaction account",
            trigger: ".o_form_view button[name=action_view_iot_account_entries]:contains(On Account):contains(20.00)",
        },
        {
            content: "Invoice the account now",
            trigger: ".o_form_view button[name=action_iot_invoice_now]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The invoice is posted",
            trigger: ".o_form_view .o_statusbar_status button[aria-checked='true']:contains(Posted)",
        },
        {
            content: "Its line names the product and the service period, quantity x unit price",
            trigger: "div[name=invoice_line_ids] .o_data_row:contains(Account Plan)",
            run() {
                // The label may sit in a text area: its value, not its text.
                const values = [...this.anchor.querySelectorAll("textarea, input")].map((e) => e.value);
                const text = [this.anchor.textContent, ...values].join(" ").replace(/\s+/g, " ");
                for (const part of ["Account Plan - October 2026", "2.00", "10.00", "20.00"]) {
                    if (!text.includes(part)) {
                        throw new Error(`"${part}" is not in the invoice line: ${text}`);
                    }
                }
            },
        },
    ],
});
