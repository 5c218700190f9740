/** @odoo-module */
/* The back office uploads a spreadsheet of usage and fixes the record it rejected. */

import { registry } from "@web/core/registry";

function usageCsv() {
    // Yesterday, so that the readings are inside the company's accepted age.
    const dtu = new Date(Date.now() - 86400000).toISOString().slice(0, 19).replace("T", " ");
    return [
        "DeviceId,eGroup,eId,Dtu,EventRef,IntCounter",
        `TOUR_METER_1,Water,1,${dtu},tour-upload-1,120`,
        `TOUR_METER_1,Water,1,${dtu},tour-upload-2,-5`,
    ].join("\n");
}

function chooseFile(input, name, content) {
    const transfer = new DataTransfer();
    transfer.items.add(new File([content], name, { type: "text/csv" }));
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
}

registry.category("web_tour.tours").add("iot_usage_upload_and_fix", {
    steps: () => [
        {
            content: "The upload wizard explains the file it takes",
            trigger: ".modal:contains(DeviceId, eGroup, eId, Dtu)",
        },
        {
            content: "Choose a CSV file",
            trigger: ".modal div[name=file] input[type=file]:not(:visible)",
            run() {
                chooseFile(this.anchor, "tour_usage.csv", usageCsv());
            },
        },
        {
            content: "The file is chosen",
            trigger: ".modal div[name=file] .o_clear_file_button",
        },
        {
            content: "Upload",
            trigger: ".modal-footer button[name=action_upload]",
            run: "click",
        },
        {
            content: "The upload is done: one record stored, one rejected",
            trigger: ".o_form_view .o_statusbar_status button[aria-checked='true']:contains(Done)",
        },
        {
            trigger: ".o_form_view div[name=accepted]:contains(1)",
        },
        {
            trigger: ".o_form_view div[name=rejected]:contains(1)",
        },
        {
            content: "Open the rows to fix in the quarantine",
            trigger: ".o_form_view button[name=action_view_rejections]:contains(To Fix)",
            run: "click",
        },
        {
            content: "The rejected row is there with its reason",
            trigger: ".o_list_view .o_data_row:contains(TOUR_METER_1):contains(To Fix) td[name=reason]",
            run: "click",
        },
        {
            content: "Correct the counter in the payload",
            trigger: ".o_form_view div[name=payload_text] .ace_editor",
            run() {
                const editor = window.ace.edit(this.anchor);
                editor.setValue(editor.getValue().replace(/:\s*"?-5"?(\s*[,\n}])/, ": 5$1"));
            },
        },
        {
            content: "Replay it",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_replay]",
            run: "click",
        },
        {
            content: "It is stored",
            trigger: ".o_form_view .o_statusbar_status button[aria-checked='true']:contains(Replayed)",
        },
        {
            trigger: ".o_form_view div[name=replay_result]:contains(Stored)",
        },
    ],
});
