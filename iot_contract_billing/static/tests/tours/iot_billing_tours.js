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
        ...pick("partner_id", "Fleet Customer Test"),
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

tours.add("iot_billing_preview_and_run", {
    steps: () => [
        {
            content: "The wizard proposes the last finished month",
            trigger: ".modal div[name=period_mode]",
        },
        ...pick("partner_ids", "Fleet Customer Test"),
        {
            content: "Preview what the run would invoice",
            trigger: ".modal-footer button[name=action_preview]",
            run: "click",
        },
        {
            content: "The preview shows the customer's two devices and the amount, nothing created yet",
            trigger: ".modal div[name=preview_line_ids] .o_data_row:contains(Fleet Customer Test):contains(482.50) td[name=device_count]:contains(2)",
        },
        {
            content: "Create the invoices as drafts, for the accountant to post",
            trigger: ".modal-footer button[name=action_create_draft]",
            run: "click",
        },
        {
            content: "The run is done",
            trigger: "body:not(:has(.modal)) .o_form_view .o_statusbar_status button[aria-checked='true']:contains(Done)",
        },
    ],
});

function invoiceId() {
    return window.location.pathname.split("/").pop();
}

function download(query, check) {
    // What the Fleet Detail buttons download, fetched with the user's session.
    return {
        content: `Download the fleet detail (${query})`,
        trigger: ".o_form_view .o_notebook a:contains(Fleet Detail)",
        async run() {
            const response = await fetch(`/iot/invoices/${invoiceId()}/detail?${query}`);
            if (response.status !== 200) {
                throw new Error(`The detail answered ${response.status}`);
            }
            await check(response);
        },
    };
}

tours.add("iot_billing_accountant_posts", {
    steps: () => [
        {
            content: "The usage line reads as quantity in m3 times the unit price",
            trigger: "div[name=invoice_line_ids] .o_data_row:contains(Water usage)",
            run() {
                // A draft's label is in a text area: its value, not its text.
                const values = [...this.anchor.querySelectorAll("textarea, input")].map((e) => e.value);
                const text = [this.anchor.textContent, ...values].join(" ").replace(/\s+/g, " ");
                for (const part of ["Water consumption (m3)", "250.00", "1.85", "462.50"]) {
                    if (!text.includes(part)) {
                        throw new Error(`"${part}" is not in the usage line: ${text}`);
                    }
                }
            },
        },
        {
            content: "Post the invoice",
            trigger: ".o_statusbar_buttons button[name=action_post]",
            run: "click",
        },
        {
            content: "It is posted",
            trigger: ".o_statusbar_status button[aria-checked='true']:contains(Posted)",
        },
        {
            content: "Open the fleet detail",
            trigger: ".o_form_view .o_notebook a:contains(Fleet Detail)",
            run: "click",
        },
        {
            content: "Each device's share is there",
            trigger: ".o_notebook div[name=iot_detail_ids] .o_data_row:contains(TOUR_BILL_1)",
        },
        download("format=csv", async (response) => {
            const text = await response.text();
            if (!text.includes("TOUR_BILL_1") || !text.includes("Total")) {
                throw new Error(`Unexpected detail: ${text.slice(0, 300)}`);
            }
        }),
    ],
});

tours.add("iot_billing_auditor_exports", {
    steps: () => [
        {
            content: "The posted invoice opens read-only for the auditor",
            trigger: ".o_statusbar_status button[aria-checked='true']:contains(Posted)",
        },
        {
            content: "No button to change it",
            trigger: ".o_form_view:not(:has(button[name=button_draft])):not(:has(.o_form_button_save))",
        },
        {
            content: "Open the fleet detail",
            trigger: ".o_form_view .o_notebook a:contains(Fleet Detail)",
            run: "click",
        },
        {
            trigger: ".o_notebook div[name=iot_detail_ids] .o_data_row:contains(TOUR_BILL_2)",
        },
        download("format=xlsx&level=record", async (response) => {
            const type = response.headers.get("Content-Type") || "";
            const body = await response.arrayBuffer();
            if (!type.includes("spreadsheetml") || body.byteLength < 1000) {
                throw new Error(`Not a spreadsheet: ${type}, ${body.byteLength} bytes`);
            }
        }),
    ],
});
