"""The knowledge base's pages under /kb/ (names in the web namespace: web:kb-…)."""

from django.urls import path

from .views import knowledge

urlpatterns = [
    path("", knowledge.article_list, name="kb-list"),
    path("new/", knowledge.article_edit, name="kb-new"),
    path("review/", knowledge.review_queue, name="kb-review"),
    path("suggest/", knowledge.portal_suggestions, name="kb-suggest"),
    path("solved/", knowledge.portal_solved, name="kb-solved"),
    path("images/<int:image_id>/", knowledge.article_image, name="kb-image"),
    path("articles/<int:article_id>/", knowledge.article_detail, name="kb-article"),
    path("articles/<int:article_id>/edit/", knowledge.article_edit, name="kb-edit"),
    path("articles/<int:article_id>/submit/", knowledge.article_submit, name="kb-submit"),
    path("articles/<int:article_id>/publish/", knowledge.article_publish, name="kb-publish"),
    path("articles/<int:article_id>/reject/", knowledge.article_reject, name="kb-reject"),
    path("articles/<int:article_id>/feedback/", knowledge.article_feedback, name="kb-feedback"),
    path("articles/<int:article_id>/diff/", knowledge.article_diff, name="kb-diff"),
    path("tickets/<str:number>/", knowledge.ticket_suggestions, name="kb-ticket-suggestions"),
    path("tickets/<str:number>/send/", knowledge.send_to_ticket, name="kb-send"),
    path("tickets/<str:number>/draft/", knowledge.draft_from_ticket, name="kb-from-ticket"),
]
