/** @odoo-module */
/* Consolidated corporate invoicing, each flow as the user who does it: the billing user
   sets a parent company to take its subsidiaries' IoT invoices once a year; an accountant
   reads a consolidated invoice, a section per subsidiary, and its fleet detail. */

import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

tours.add("iot_receivables_consolidate_subsidiaries", {
    steps: () => [
        {
            content: "Open the parent company's Sales & Purchase tab",
            trigger: ".o_form_view .o_notebook a[name=sales_purchases]:visible",
            run: "click",
        },
        {
            content: "Consolidate its subsidiaries' IoT invoicing",
            trigger: ".o_form_view div[name=iot_consolidate_subsidiaries] input:visible",
            run: "click",
        },
        {
            content: "Once a year",
            trigger: ".o_form_view div[name=iot_consolidation_frequency] input[data-value=yearly]",
            run: "click",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save:enabled",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_readonly, .o_form_saved",
        },
    ],
});

tours.add("iot_receivables_read_consolidated_invoice", {
    steps: () => [
        {
            content: "The invoice is addressed to the parent company",
            trigger: ".o_form_view div[name=partner_id]:contains(Holding Corp)",
        },
        {
            content: "A section per customer, the parent's own devices first",
            // A section's name is the value of its (read-only) text area, not text.
            trigger: "div[name=invoice_line_ids] .o_is_line_section textarea",
            run() {
                const sections = [
                    ...document.querySelectorAll(
                        "div[name=invoice_line_ids] .o_is_line_section textarea"
                    ),
                ].map((area) => area.value);
                const expected = ["Holding Corp", "Gamma Sub", "Alpha Sub"];
                if (
                    sections.length !== expected.length ||
                    !expected.every((name, index) => sections[index].includes(name))
                ) {
                    throw new Error(`The sections read ${JSON.stringify(sections)}`);
                }
            },
        },
        {
            content: "Open the fleet detail",
            trigger: ".o_form_view .o_notebook a:contains(Fleet Detail)",
            run: "click",
        },
        {
            content: "Each device's row names its subsidiary",
            trigger:
                ".o_notebook div[name=iot_detail_ids] .o_data_row:contains(CONS_ALPHA_1):contains(Alpha Sub)",
        },
    ],
});
